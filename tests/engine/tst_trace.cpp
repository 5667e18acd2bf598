// Trace sinks: the ring buffer between engine and GUI threads, the file writer, hash and counters.
#include "enginetest.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <thread>

#include <QTemporaryDir>

using namespace sb;
using namespace sbtest;

// Every allocation in this test program is counted, so a test can prove a code path allocates
// nothing.
static std::atomic<std::uint64_t> g_allocations{0};
void *operator new(std::size_t size)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept
{
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept
{
    std::free(p);
}

class TestTrace : public QObject {
    Q_OBJECT
private slots:
    void ringBufferKeepsOrderAcrossThreads();
    void ringBufferCountsOverflow();
    void fileWriter_data();
    void fileWriter();
    void fileWriterReportsUnwritablePath();
    void hashIgnoresWallTime();
    void countersByNodeAndReason();
    void sinksDoNotAllocatePerEvent_data();
    void sinksDoNotAllocatePerEvent();
};

void TestTrace::ringBufferKeepsOrderAcrossThreads()
{
    // One producer thread pushes a numbered sequence; the consumer drains in batches and must see
    // every number that was not counted as overflowed, in order.
    RingBufferSink ring(1024);
    constexpr std::uint64_t total = 200000;
    std::thread producer([&] {
        for (std::uint64_t i = 1; i <= total; ++i) {
            TraceEvent e;
            e.messageId = i;
            ring.onEvent(e);
        }
    });
    std::vector<TraceEvent> batch;
    std::uint64_t received = 0, last = 0;
    bool ordered = true;
    while (true) {
        batch.clear();
        ring.drain(batch, 300);
        for (const auto &e : batch) {
            ordered = ordered && e.messageId > last;
            last = e.messageId;
            ++received;
        }
        if (batch.empty() && received + ring.overflowed() == total) break;
        if (batch.empty()) std::this_thread::yield();
    }
    producer.join();
    QVERIFY(ordered);
    QCOMPARE(received + ring.overflowed(), total);
    QVERIFY(received > 0);
}

void TestTrace::ringBufferCountsOverflow()
{
    RingBufferSink ring(8);
    QCOMPARE(ring.capacity(), std::size_t(8));
    for (int i = 0; i < 20; ++i)
        ring.onEvent(TraceEvent{});
    QCOMPARE(ring.overflowed(), std::uint64_t(12));
    std::vector<TraceEvent> out;
    QCOMPARE(ring.drain(out), std::size_t(8));
    QCOMPARE(ring.drain(out), std::size_t(0));
    ring.onEvent(TraceEvent{});
    QCOMPARE(ring.drain(out), std::size_t(1));
}

void TestTrace::fileWriter_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("json lines") << "events.jsonl";
    QTest::newRow("csv") << "events.csv";
}

void TestTrace::fileWriter()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath(name).toStdString();
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(3)}}).node("q", "queue").node("c", "consumer");
    b.link("p", "q").link("q", "c");
    auto r = prepare(b.topology());
    QVERIFY(r);
    TraceFileWriter writer(r->sim->nodeIds(), r->sim->linkIds());
    std::string error;
    QVERIFY(writer.open(path, TraceFileWriter::formatForPath(path), error));
    r->sim->addSink(&writer);
    r->sim->run(RunOptions{});
    QVERIFY(writer.close(error));
    QCOMPARE(writer.written(), std::uint64_t(r->trace.events.size()));

    std::ifstream in(path);
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(in, line))
        lines.push_back(line);
    const bool csv = name.endsWith(".csv");
    QCOMPARE(lines.size(), r->trace.events.size() + (csv ? 1 : 0));
    if (csv) {
        QCOMPARE(QString::fromStdString(lines[0]).split(',').first(), QString("time_ns"));
        const int columns = QString::fromStdString(lines[0]).split(',').size();
        for (std::size_t i = 1; i < lines.size(); ++i)
            QCOMPARE(QString::fromStdString(lines[i]).split(',').size(), columns);
    } else {
        std::size_t processes = 0;
        for (const auto &l : lines) {
            auto j = Json::parse(l);
            QVERIFY(j.contains("t") && j.contains("kind") && j.contains("node"));
            if (j["kind"] == "process") {
                ++processes;
                QCOMPARE(j["node"].get<std::string>(), std::string("c"));
                QCOMPARE(j["peer"].get<std::string>(), std::string("q"));
            }
        }
        QCOMPARE(processes, std::size_t(3));
    }
}

void TestTrace::fileWriterReportsUnwritablePath()
{
    TraceFileWriter writer({}, {});
    std::string error;
    QVERIFY(!writer.open("/nonexistent-dir/events.jsonl", TraceFileWriter::Format::JsonLines, error));
    QVERIFY2(error.find("/nonexistent-dir/events.jsonl") != std::string::npos, error.c_str());
}

void TestTrace::hashIgnoresWallTime()
{
    TraceEvent a;
    a.messageId = 5;
    a.kind = TraceKind::Deliver;
    TraceEvent b = a;
    b.wall = 12345;
    HashSink ha, hb, hc;
    ha.onEvent(a);
    hb.onEvent(b);
    TraceEvent c = a;
    c.deliveryCount = 2;
    hc.onEvent(c);
    QCOMPARE(ha.hash(), hb.hash());
    QVERIFY(ha.hash() != hc.hash());
}

void TestTrace::countersByNodeAndReason()
{
    CounterSink counters(3);
    TraceEvent e;
    e.node = 1;
    e.kind = TraceKind::Drop;
    e.reason = DropReason::Expired;
    counters.onEvent(e);
    counters.onEvent(e);
    e.kind = TraceKind::Enqueue;
    e.reason = DropReason::None;
    counters.onEvent(e);
    QCOMPARE(counters.total(), std::uint64_t(3));
    QCOMPARE(counters.count(TraceKind::Drop), std::uint64_t(2));
    QCOMPARE(counters.drops(DropReason::Expired), std::uint64_t(2));
    QCOMPARE(counters.count(NodeIndex(1), TraceKind::Enqueue), std::uint64_t(1));
    QCOMPARE(counters.count(NodeIndex(2), TraceKind::Enqueue), std::uint64_t(0));
}

void TestTrace::sinksDoNotAllocatePerEvent_data()
{
    QTest::addColumn<QString>("sink");
    QTest::newRow("counters") << "counters";
    QTest::newRow("hash") << "hash";
    QTest::newRow("ring buffer") << "ring";
    QTest::newRow("json lines file") << "jsonl";
    QTest::newRow("csv file") << "csv";
}

void TestTrace::sinksDoNotAllocatePerEvent()
{
    QFETCH(QString, sink);
    QTemporaryDir dir;
    CounterSink counters(4);
    HashSink hash;
    RingBufferSink ring(1 << 10);
    TraceFileWriter writer({"producer", "queue", "consumer", "other"}, {"l0", "l1"});
    TraceSink *target = &counters;
    std::string error;
    if (sink == "hash") target = &hash;
    if (sink == "ring") target = &ring;
    if (sink == "jsonl" || sink == "csv") {
        const std::string path = dir.filePath(sink == "csv" ? "e.csv" : "e.jsonl").toStdString();
        QVERIFY(writer.open(path, TraceFileWriter::formatForPath(path), error));
        target = &writer;
    }
    TraceEvent e;
    e.node = 1;
    e.peer = 2;
    e.link = 1;
    e.frame = FrameType::Deliver;
    // The counter is live: an allocation here is seen. (A direct ::operator new call, because the
    // optimiser may elide the allocation of a new-expression.)
    const std::uint64_t probe = g_allocations.load();
    ::operator delete(::operator new(16));
    QVERIFY(g_allocations.load() > probe);

    const std::uint64_t before = g_allocations.load();
    for (std::uint64_t i = 0; i < 100000; ++i) {
        e.time = static_cast<SimTime>(i) * 1000;
        e.messageId = i + 1;
        e.kind = static_cast<TraceKind>(i % kTraceKindCount);
        e.reason = e.kind == TraceKind::Drop ? DropReason::Loss : DropReason::None;
        e.aux = static_cast<std::int64_t>(i);
        target->onEvent(e);
    }
    const std::uint64_t allocations = g_allocations.load() - before;
    QCOMPARE(allocations, std::uint64_t(0));
    QVERIFY(writer.close(error));
}

QTEST_GUILESS_MAIN(TestTrace)
#include "tst_trace.moc"
